// Author.papers paged forward (first/after) with usePaginationFragment.
import { graphql } from 'relay-runtime';

export const AuthorPapers = graphql`
  fragment AuthorPapers_author on Author
  @refetchable(queryName: "AuthorPapersPaginationQuery")
  @argumentDefinitions(
    count: { type: "Int", defaultValue: 10 }
    cursor: { type: "String" }
  ) {
    papers(first: $count, after: $cursor)
      @connection(key: "AuthorPapers_papers") {
      totalCount
      edges {
        node {
          id
          title
          year
          kind
          venue
          codeUrl
          doi
          authors {
            id
            name
          }
          topics {
            id
            slug
          }
        }
      }
    }
  }
`;
