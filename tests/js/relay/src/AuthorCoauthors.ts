// Author.coauthorsConnection paged both ways (first/after and last/before):
// loadNext and loadPrevious of usePaginationFragment.
import { graphql } from 'relay-runtime';

export const AuthorCoauthors = graphql`
  fragment AuthorCoauthors_author on Author
  @refetchable(queryName: "AuthorCoauthorsPaginationQuery")
  @argumentDefinitions(
    first: { type: "Int", defaultValue: 5 }
    after: { type: "String" }
    last: { type: "Int" }
    before: { type: "String" }
  ) {
    coauthorsConnection(first: $first, after: $after, last: $last, before: $before)
      @connection(key: "AuthorCoauthors_coauthorsConnection") {
      totalCount
      edges {
        node {
          sharedPaperCount
          author {
            id
            slug
            name
          }
          sharedPapers {
            id
            title
          }
        }
      }
    }
  }
`;
