// An in-memory GitHub on 127.0.0.1 for the tests: one repository's labels, issues, pull requests,
// comments, check runs and just-in-time runners behind the REST endpoints the action uses, and GraphQL
// answered by resolvers the test registers. Every REST request is checked against GitHub's OpenAPI
// description and every GraphQL document against GitHub's schema; whatever GitHub would reject is
// answered as GitHub would and recorded in `violations`. The fake's own answers are checked against the
// documented response schemas too, so a drift in the fake shows up in `violations` as well. A fault hook
// scripts answers (errors, rate limits, full answers) for an operation's next valid requests.
//
// The modules, one per API area, are in ./github-fake/; this file is the entry the tests import.
export * from './github-fake/index.js';
