// The author page: a query whose fragments a Relay app would spread into
// its components. AuthorHeader is @refetchable (Relay refetches it through
// Query.node(id:)); the papers and co-authors lists are pagination fragments.
import { graphql } from 'relay-runtime';

export const AuthorPageQuery = graphql`
  query AuthorPageQuery($slug: String!, $papers: Int = 10, $coauthors: Int = 5) {
    author(slug: $slug) {
      id
      ...AuthorHeader_author
      ...AuthorPapers_author @arguments(count: $papers)
      ...AuthorCoauthors_author @arguments(first: $coauthors)
    }
  }
`;

export const AuthorHeader = graphql`
  fragment AuthorHeader_author on Author
  @refetchable(queryName: "AuthorHeaderRefetchQuery") {
    id
    slug
    name
    claimStatus
    orcid
    affiliation {
      id
      name
    }
    viewerIsFollowing
    viewerCanInvite
    stats {
      works
      followers
      topics
      collaborators
    }
    trust {
      score
      tier
      verification
      components {
        name
        points
        explanation
      }
    }
    topics {
      paperCount
      topic {
        id
        slug
        name
      }
    }
  }
`;
