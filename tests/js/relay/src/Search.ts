// Query.searchConnection as a pagination fragment on Query.
import { graphql } from 'relay-runtime';

export const SearchPageQuery = graphql`
  query SearchPageQuery($query: String!) {
    ...SearchResults_query @arguments(query: $query)
  }
`;

export const SearchResults = graphql`
  fragment SearchResults_query on Query
  @refetchable(queryName: "SearchResultsPaginationQuery")
  @argumentDefinitions(
    query: { type: "String!" }
    count: { type: "Int", defaultValue: 10 }
    cursor: { type: "String" }
  ) {
    searchConnection(query: $query, first: $count, after: $cursor)
      @connection(key: "SearchResults_searchConnection", filters: ["query"]) {
      totalCount
      edges {
        node {
          score
          result {
            __typename
            ... on Author {
              id
              name
            }
            ... on Paper {
              id
              title
            }
            ... on Topic {
              id
              name
            }
          }
        }
      }
    }
  }
`;
