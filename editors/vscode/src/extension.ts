// The pgmig extension: starts `pgmig serve` with vscode-languageclient and adds its commands.
import {
  ConfigurationChangeEvent,
  ExtensionContext,
  LogOutputChannel,
  Uri,
  commands,
  window,
  workspace,
} from "vscode";
import {
  CloseAction,
  CloseHandlerResult,
  DocumentSelector,
  DynamicFeature,
  ErrorAction,
  ErrorHandlerResult,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  Message,
  RevealOutputChannelOn,
  ServerOptions,
  StaticFeature,
} from "vscode-languageclient/node";
import { ServerCommand, baseFolder, findExecutable, serverCommand } from "./server";
import { initializationOptions, pgmigSettings } from "./settings";

/** SQL's language id, and those PostgreSQL extensions give `.sql`/`.pgsql` files. */
const LANGUAGES = ["sql", "postgres", "pgsql"];
const SCHEMES = ["file", "untitled"];

/**
 * Commands the extension registers itself (they ask for input and open files) and runs on the
 * server with `workspace/executeCommand`. vscode-languageclient would register the server's
 * commands of the same ids too, which VS Code refuses, failing the start.
 */
const EXTENSION_COMMANDS = new Set(["pgmig.newMigration", "pgmig.checkWorkspace"]);

const INSTALL_HINT =
  'install it with "pip install pgmig-lsp", or set pgmig.server.path to the pgmig program ' +
  "(or pgmig.server.pythonPath to a Python interpreter that has pgmig-lsp).";

let log: LogOutputChannel;
let client: PgmigClient | undefined;
/** Starts and stops run one after the other, never interleaved. */
let queue: Promise<void> = Promise.resolve();

export function activate(context: ExtensionContext): void {
  log = window.createOutputChannel("pgmig", { log: true });
  context.subscriptions.push(
    log,
    commands.registerCommand("pgmig.newMigration", newMigration),
    commands.registerCommand("pgmig.checkWorkspace", checkWorkspace),
    commands.registerCommand("pgmig.restartServer", () => serialized(restart)),
    commands.registerCommand("pgmig.showOutput", () => log.show()),
    workspace.onDidChangeConfiguration(onConfigurationChanged),
    workspace.onDidGrantWorkspaceTrust(onTrustGranted),
  );
  void serialized(start);
}

export function deactivate(): Promise<void> {
  return serialized(stop);
}

function serialized(step: () => Promise<void>): Promise<void> {
  const run = queue.then(step);
  queue = run.catch((error: unknown) => log.error(`unexpected: ${describe(error)}`));
  return queue;
}

/**
 * A LanguageClient that leaves the extension's commands to the extension and reports a failed
 * start only once, with what to do about it.
 */
class PgmigClient extends LanguageClient {
  /** While true, the client logs its errors without a notification of its own. */
  quiet = false;
  /** The server process ended before the client was running. */
  exitedWhileStarting = false;

  override registerFeature(feature: StaticFeature | DynamicFeature<unknown>): void {
    if (
      "registrationType" in feature &&
      feature.registrationType.method === ExecuteCommandRequest.method
    ) {
      const register = feature.register.bind(feature);
      feature.register = (data) => {
        const options = data.registerOptions as { commands?: string[] } | undefined;
        const commands = options?.commands?.filter((id) => !EXTENSION_COMMANDS.has(id));
        register({ ...data, registerOptions: { ...options, commands } });
      };
    }
    super.registerFeature(feature);
  }

  override error(message: string, data?: unknown, showNotification?: boolean | "force"): void {
    super.error(message, data, this.quiet ? false : showNotification);
  }

  override start(): Promise<void> {
    const starting = super.start();
    // When the server exits while starting, vscode-languageclient 9.0.1 forgets its start
    // promise, resolves the one it returned, and rejects the forgotten one with no one
    // listening: listen to it, so that it is no unhandled rejection. Callers check isRunning().
    const internal = (this as unknown as { _onStart?: Promise<void> })._onStart;
    internal?.catch(() => undefined);
    return starting;
  }

  override async stop(timeout?: number): Promise<void> {
    // the library calls `void this.stop()` after a failed start, when stopping throws
    try {
      await super.stop(timeout);
    } catch (error) {
      log.debug(`stopping the pgmig server: ${describe(error)}`);
    }
  }
}

async function start(): Promise<void> {
  if (client !== undefined) {
    return;
  }
  const server = serverCommand();
  const executable = findExecutable(server.command);
  if (executable === undefined) {
    log.error(`${server.setting}: ${JSON.stringify(server.command)} was not found`);
    void reportNotFound(server);
    return;
  }
  log.info(`starting the pgmig server: ${[executable, ...server.args].join(" ")}`);
  const serverOptions: ServerOptions = {
    command: executable,
    args: server.args,
    options: { cwd: baseFolder() },
  };
  const started: PgmigClient = new PgmigClient(
    "pgmig",
    "pgmig",
    serverOptions,
    clientOptions(() => started),
  );
  client = started;
  started.quiet = true;
  let failure: unknown;
  try {
    await started.start();
  } catch (error) {
    failure = error;
  } finally {
    started.quiet = false;
  }
  if (started.isRunning()) {
    log.info("the pgmig server is running");
    return;
  }
  const what = started.exitedWhileStarting
    ? "exited while starting"
    : `did not start (${describe(failure ?? "unknown reason").split("\n")[0]})`;
  log.error(`the pgmig server ${what}`);
  client = undefined;
  void offerHelp(
    `pgmig: the language server "${[server.command, ...server.args].join(" ")}" ${what}; ` +
      `the pgmig output shows why. If pgmig-lsp is missing or too old, ${INSTALL_HINT}`,
  );
}

async function stop(): Promise<void> {
  const stopping = client;
  client = undefined;
  if (stopping === undefined) {
    return;
  }
  try {
    if (stopping.isRunning()) {
      await stopping.dispose();
    }
  } catch (error) {
    log.warn(`stopping the pgmig server: ${describe(error)}`);
  }
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

/** `owner` gives the client these options belong to (it is created after them). */
function clientOptions(owner: () => PgmigClient): LanguageClientOptions {
  const documentSelector: DocumentSelector = LANGUAGES.flatMap((language) =>
    SCHEMES.map((scheme) => ({ scheme, language })),
  );
  return {
    documentSelector,
    // a function, so that each (re)start sends the settings of that moment
    initializationOptions,
    outputChannel: log,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    errorHandler: errorHandler(owner),
    // reported once by start(), with what to do (the library would show the raw error)
    initializationFailedHandler: (error) => {
      log.error(`initialize failed: ${describe(error)}`);
      return false;
    },
    // the server registers its own file watchers and configuration interest
    synchronize: {},
    middleware: {
      workspace: {
        // `pgmig` answers hold only pgmig settings (not server.* or trace.*), nulls dropped
        configuration: async (params, token, next) => {
          const answers = await next(params, token);
          if (!Array.isArray(answers)) {
            return answers;
          }
          return answers.map((answer: unknown, index) =>
            params.items[index]?.section === "pgmig" ? pgmigSettings(answer) : answer,
          );
        },
      },
    },
  };
}

/** Restarts a server that crashed while running; one that never got going stays stopped. */
function errorHandler(owner: () => PgmigClient): LanguageClientOptions["errorHandler"] {
  let restarts: number[] = [];
  return {
    error: (_error: Error, _message: Message | undefined, count: number | undefined) =>
      ({
        action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
      }) satisfies ErrorHandlerResult,
    closed: (): CloseHandlerResult => {
      if (!owner().isRunning()) {
        owner().exitedWhileStarting = true;
        return { action: CloseAction.DoNotRestart, handled: true };
      }
      const now = Date.now();
      restarts = [...restarts.filter((time) => now - time < 3 * 60 * 1000), now];
      if (restarts.length > 4) {
        return {
          action: CloseAction.DoNotRestart,
          message:
            "The pgmig server stopped 5 times in 3 minutes and will not be restarted. " +
            "See the pgmig output; run 'pgmig: Restart Server' to try again.",
        };
      }
      return { action: CloseAction.Restart, message: "The pgmig server stopped; restarting it." };
    },
  };
}

async function reportNotFound(server: ServerCommand): Promise<void> {
  const message =
    server.setting === "pgmig.server.pythonPath"
      ? `pgmig: the Python interpreter ${JSON.stringify(server.command)} ` +
        "(pgmig.server.pythonPath) was not found."
      : `pgmig: the language server program ${JSON.stringify(server.command)} was not found: ` +
        INSTALL_HINT;
  await offerHelp(message);
}

async function offerHelp(message: string): Promise<void> {
  const choice = await window.showErrorMessage(message, "Open Settings", "Show Output");
  if (choice === "Open Settings") {
    await commands.executeCommand("workbench.action.openSettings", "pgmig.server");
  } else if (choice === "Show Output") {
    log.show();
  }
}

async function onConfigurationChanged(event: ConfigurationChangeEvent): Promise<void> {
  if (event.affectsConfiguration("pgmig.server")) {
    log.info("pgmig.server settings changed: restarting the server");
    await serialized(restart);
  }
}

async function onTrustGranted(): Promise<void> {
  // the workspace may now choose the server program (restricted while untrusted)
  const config = workspace.getConfiguration("pgmig.server");
  const fromWorkspace = ["path", "args", "pythonPath"].some((key) => {
    const values = config.inspect(key);
    return values?.workspaceValue !== undefined || values?.workspaceFolderValue !== undefined;
  });
  if (fromWorkspace) {
    await serialized(restart);
  }
}

/** The running client, or undefined after telling the user the server is not running. */
function runningClient(): PgmigClient | undefined {
  if (client?.isRunning()) {
    return client;
  }
  void window
    .showErrorMessage("pgmig: the language server is not running.", "Restart Server", "Show Output")
    .then((choice) => {
      if (choice === "Restart Server") {
        void serialized(restart);
      } else if (choice === "Show Output") {
        log.show();
      }
    });
  return undefined;
}

async function newMigration(): Promise<void> {
  if (runningClient() === undefined) {
    return;
  }
  const name = await window.showInputBox({
    title: "New pgmig migration",
    prompt: "What the migration does, in a few words (it becomes part of the file name)",
    placeHolder: "add_email_to_users",
    validateInput: (value) => {
      if (value.trim() === "") {
        return "Give the migration a name.";
      }
      if (/[\\/]/.test(value)) {
        return "A name, not a path: the migration goes into the project's migration directory.";
      }
      return undefined;
    },
  });
  // the server may have stopped while the user typed
  const running = name === undefined ? undefined : runningClient();
  if (name === undefined || running === undefined) {
    return;
  }
  try {
    const created: unknown = await running.sendRequest(ExecuteCommandRequest.type, {
      command: "pgmig.newMigration",
      arguments: [name.trim()],
    });
    if (typeof created !== "string" || created === "") {
      log.warn(`pgmig.newMigration ${JSON.stringify(name)}: the server created no file`);
      void window.showWarningMessage(
        "pgmig did not create a migration (see the pgmig output for why).",
      );
      return;
    }
    log.info(`created ${created}`);
    await window.showTextDocument(Uri.parse(created));
  } catch (error) {
    log.error(`pgmig.newMigration: ${describe(error)}`);
    void window.showErrorMessage(`pgmig: could not create the migration: ${describe(error)}`);
  }
}

async function checkWorkspace(): Promise<void> {
  const running = runningClient();
  if (running === undefined) {
    return;
  }
  try {
    await running.sendRequest(ExecuteCommandRequest.type, { command: "pgmig.checkWorkspace" });
  } catch (error) {
    log.error(`pgmig.checkWorkspace: ${describe(error)}`);
    void window.showErrorMessage(`pgmig: checking the workspace failed: ${describe(error)}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
