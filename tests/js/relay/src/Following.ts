// The viewer's followed authors, and following one more: the mutation's
// followingEdge is appended to the viewer's `following` connection with
// @appendEdge (the connection ids come from ConnectionHandler.getConnectionID
// or the fragment's __id).
import { graphql } from 'relay-runtime';

export const FollowingPageQuery = graphql`
  query FollowingPageQuery {
    viewer {
      id
      displayName
      ...FollowingList_user
    }
  }
`;

export const FollowingList = graphql`
  fragment FollowingList_user on User
  @refetchable(queryName: "FollowingListPaginationQuery")
  @argumentDefinitions(
    count: { type: "Int", defaultValue: 20 }
    cursor: { type: "String" }
  ) {
    following(first: $count, after: $cursor)
      @connection(key: "FollowingList_following") {
      __id
      totalCount
      edges {
        node {
          id
          slug
          name
          viewerIsFollowing
        }
      }
    }
  }
`;

export const FollowAuthorMutation = graphql`
  mutation FollowAuthorMutation($authorId: ID!, $connections: [ID!]!) {
    followAuthor(authorId: $authorId) {
      author {
        id
        viewerIsFollowing
        stats {
          followers
        }
      }
      followingEdge @appendEdge(connections: $connections) {
        cursor
        node {
          id
          slug
          name
          viewerIsFollowing
        }
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;
