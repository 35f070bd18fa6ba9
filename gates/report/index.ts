// The gate reports: SARIF for code scanning and markdown for a pull request or job summary.
export { MARKDOWN_LIMITS, type MarkdownOptions, toMarkdown } from './markdown.js';
export {
  CHANGE_LOCATION_URI,
  FINGERPRINT_KEY,
  SARIF_LIMITS,
  SARIF_SCHEMA,
  type SarifOptions,
  SECURITY_SEVERITY,
  toSarif,
} from './sarif.js';
