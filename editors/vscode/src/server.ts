// The program that runs the pgmig language server, from the `pgmig.server.*` settings.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { workspace } from "vscode";

/** How to start the server, and which setting chose the program (for messages). */
export interface ServerCommand {
  command: string;
  args: string[];
  setting: "pgmig.server.path" | "pgmig.server.pythonPath";
}

const DEFAULT_COMMAND = "pgmig";
const DEFAULT_ARGS = ["serve"];

/** `pgmig serve`, or `<pythonPath> -m pgmig_lsp serve` when a Python interpreter is set. */
export function serverCommand(): ServerCommand {
  const config = workspace.getConfiguration("pgmig.server");
  const rawArgs: unknown = config.get("args");
  const args =
    Array.isArray(rawArgs) && rawArgs.every((arg) => typeof arg === "string")
      ? (rawArgs as string[])
      : DEFAULT_ARGS;
  const pythonPath = config.get<string | null>("pythonPath");
  if (typeof pythonPath === "string" && pythonPath.trim() !== "") {
    return {
      command: expandPath(pythonPath.trim()),
      args: ["-m", "pgmig_lsp", ...args],
      setting: "pgmig.server.pythonPath",
    };
  }
  const command = config.get<string>("path");
  return {
    command:
      typeof command === "string" && command.trim() !== ""
        ? expandPath(command.trim())
        : DEFAULT_COMMAND,
    args,
    setting: "pgmig.server.path",
  };
}

/** The workspace folder relative paths and `${workspaceFolder}` refer to (the first one). */
export function baseFolder(): string | undefined {
  return workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** Expand `~` and `${workspaceFolder}`; a relative path (not a bare name) is made absolute. */
function expandPath(value: string): string {
  const folder = baseFolder();
  let expanded = value;
  if (folder !== undefined) {
    expanded = expanded.replace(/\$\{workspaceFolder\}/g, folder);
  }
  if (expanded === "~" || expanded.startsWith("~/") || expanded.startsWith("~\\")) {
    expanded = path.join(os.homedir(), expanded.slice(1));
  }
  const isBareName = !expanded.includes("/") && !expanded.includes(path.sep);
  if (!isBareName && !path.isAbsolute(expanded) && folder !== undefined) {
    expanded = path.resolve(folder, expanded);
  }
  return expanded;
}

/** The executable file `command` runs: itself if it is a path, else found on `PATH`. */
export function findExecutable(command: string): string | undefined {
  if (path.isAbsolute(command) || command.includes("/") || command.includes(path.sep)) {
    return candidates(command).find(isExecutable);
  }
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter((dir) => dir !== "");
  for (const dir of dirs) {
    const found = candidates(path.join(dir, command)).find(isExecutable);
    if (found !== undefined) {
      return found;
    }
  }
  return undefined;
}

function candidates(file: string): string[] {
  // pip installs console scripts as `pgmig.exe` on Windows
  if (process.platform === "win32" && path.extname(file) === "") {
    return [`${file}.exe`, `${file}.com`];
  }
  return [file];
}

function isExecutable(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    if (process.platform !== "win32") {
      fs.accessSync(file, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}
