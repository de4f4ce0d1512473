// The `pgmig` settings the server reads, as sent in `initializationOptions` and as the answer to
// `workspace/configuration` for the section `pgmig`.
import { workspace } from "vscode";

/**
 * Keys of the `pgmig` section only the extension reads: how to start the server, and tracing.
 * Everything else in the section is a pgmig setting (camelCase of the `Settings` field).
 */
const CLIENT_ONLY = new Set(["server", "trace"]);

/**
 * The pgmig settings in a `pgmig` section, without the extension's own keys and without unset
 * (`null`) values, so that a setting left unset in the editor does not override pgmig.toml.
 */
export function pgmigSettings(section: unknown): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  if (section === null || typeof section !== "object" || Array.isArray(section)) {
    return settings;
  }
  for (const [key, value] of Object.entries(section)) {
    if (!CLIENT_ONLY.has(key) && value !== null && value !== undefined) {
      settings[key] = value;
    }
  }
  return settings;
}

/** The window's pgmig settings (user and workspace; folder settings come through the pull). */
export function initializationOptions(): Record<string, unknown> {
  return pgmigSettings(workspace.getConfiguration().get("pgmig"));
}
