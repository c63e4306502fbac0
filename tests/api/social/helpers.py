"""What the social-flow tests share: the operations a frontend sends (the
ones the README shows) and a World of users driving the app over HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from api.settings import Settings
from graph_store.store import GraphStore
from tests.api.conftest import GraphQLClient

MODERATOR_EMAIL = "mia@peergraph.example"
MODERATOR_PASSWORD = "moderator-password"
PASSWORD = "correct horse battery"
INVITATIONS_PER_DAY = 4

USER_FIELDS = """
  id displayName email
  claimedAuthor { id slug claimStatus }
"""

SIGN_UP = f"""
mutation SignUp($input: SignUpInput!) {{
  signUp(input: $input) {{
    token
    user {{ {USER_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

LOG_IN = f"""
mutation LogIn($input: LogInInput!) {{
  logIn(input: $input) {{
    token
    user {{ {USER_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

VIEWER = f"""
query Viewer {{
  viewer {{
    {USER_FIELDS}
    following(first: 10) {{ totalCount edges {{ node {{ id }} }} }}
    claims {{ id status author {{ id }} }}
    invitationsSent {{ id status recipient {{ id }} }}
    invitationsReceived {{ id status sender {{ id }} senderAuthor {{ id }} }}
  }}
}}"""

AUTHOR_FIELDS = """
  id slug name claimStatus viewerIsFollowing viewerCanInvite
  stats { followers }
  trust { score tier verification components { name points explanation } }
"""

AUTHOR = f"""
query Author($id: ID!) {{ author(id: $id) {{ {AUTHOR_FIELDS} }} }}"""

FOLLOW = f"""
mutation Follow($authorId: ID!) {{
  followAuthor(authorId: $authorId) {{
    author {{ {AUTHOR_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

UNFOLLOW = f"""
mutation Unfollow($authorId: ID!) {{
  unfollowAuthor(authorId: $authorId) {{
    author {{ {AUTHOR_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

CLAIM_FIELDS = f"""
  id status evidence createdAt decidedAt note
  author {{ {AUTHOR_FIELDS} }}
  claimant {{ id displayName }}
"""

CLAIM_AUTHOR = f"""
mutation ClaimAuthor($input: ClaimAuthorInput!) {{
  claimAuthor(input: $input) {{
    claim {{ {CLAIM_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

WITHDRAW_CLAIM = f"""
mutation WithdrawClaim($claimId: ID!) {{
  withdrawClaim(claimId: $claimId) {{
    claim {{ {CLAIM_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

REVIEW_CLAIM = f"""
mutation ReviewClaim($input: ReviewClaimInput!) {{
  reviewClaim(input: $input) {{
    claim {{ {CLAIM_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

INVITATION_FIELDS = """
  id message status createdAt respondedAt
  sender { id displayName }
  senderAuthor { id }
  recipient { id claimStatus }
"""

SEND_INVITATION = f"""
mutation SendInvitation($input: SendInvitationInput!) {{
  sendInvitation(input: $input) {{
    invitation {{ {INVITATION_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""


def respond(name: str) -> str:
    return f"""
mutation Respond($invitationId: ID!) {{
  {name}(invitationId: $invitationId) {{
    invitation {{ {INVITATION_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""


ACCEPT = respond("acceptInvitation")
DECLINE = respond("declineInvitation")
WITHDRAW_INVITATION = respond("withdrawInvitation")

CORRECTION_FIELDS = """
  id field proposedValue reason status createdAt
  target { id ... on Author { name } ... on Paper { title year codeUrl } }
"""

SUGGEST = f"""
mutation Suggest($input: SuggestCorrectionInput!) {{
  suggestCorrection(input: $input) {{
    correction {{ {CORRECTION_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

REVIEW_CORRECTION = f"""
mutation ReviewCorrection($input: ReviewCorrectionInput!) {{
  reviewCorrection(input: $input) {{
    correction {{ {CORRECTION_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

NODE = """
query Node($id: ID!) {
  node(id: $id) {
    id
    ... on Invitation { invitationStatus: status message }
    ... on Claim { claimStatus: status evidence }
    ... on Correction { correctionStatus: status }
    ... on User { displayName email }
  }
}"""


@dataclass
class Session:
    token: str
    user_id: str


@dataclass
class World:
    gql: GraphQLClient
    store: GraphStore
    settings: Settings
    moderator: Session | None = None
    sessions: dict[str, Session] = field(default_factory=dict)

    async def run(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        return await self.gql.data(query, variables, token)

    async def payload(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """The one root field's payload of a mutation."""
        data = await self.run(query, variables, token)
        (value,) = data.values()
        assert isinstance(value, dict)
        return value

    async def sign_up(self, name: str) -> Session:
        email = f"{name.lower()}@example.org"
        p = await self.payload(
            SIGN_UP, {"input": {"email": email, "password": PASSWORD, "displayName": name}}
        )
        assert p["userErrors"] == [], p
        session = Session(token=p["token"], user_id=p["user"]["id"])
        self.sessions[name] = session
        return session

    async def claim(self, who: Session, author_id: str, evidence: str = "ORCID 0000-0002") -> str:
        p = await self.payload(
            CLAIM_AUTHOR, {"input": {"authorId": author_id, "evidence": evidence}}, who.token
        )
        assert p["userErrors"] == [], p
        claim_id: str = p["claim"]["id"]
        return claim_id

    async def verified(self, who: Session, author_id: str) -> str:
        """Claim the author and have the moderator approve it."""
        assert self.moderator is not None
        claim_id = await self.claim(who, author_id)
        p = await self.payload(
            REVIEW_CLAIM, {"input": {"claimId": claim_id, "approve": True}}, self.moderator.token
        )
        assert p["userErrors"] == [], p
        return claim_id

    async def author(self, author_id: str, token: str | None = None) -> dict[str, Any]:
        data = await self.run(AUTHOR, {"id": author_id}, token)
        author: dict[str, Any] = data["author"]
        return author


def errors(payload: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    """(code, field) of each userError, for compact asserts."""
    return [(e["code"], e["field"]) for e in payload["userErrors"]]
