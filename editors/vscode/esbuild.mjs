// Bundles the extension and vscode-languageclient into dist/extension.js, so the .vsix ships
// without node_modules (`vsce package --no-dependencies`).
import { copyFile, mkdir, rm } from "node:fs/promises";
import * as esbuild from "esbuild";

const watch = process.argv.includes("--watch");

/** @type {import("esbuild").BuildOptions} */
const options = {
  entryPoints: ["src/extension.ts"],
  outfile: "dist/extension.js",
  bundle: true,
  platform: "node",
  format: "cjs",
  // the Node.js of VS Code 1.85's extension host
  target: "node18",
  external: ["vscode"],
  minify: !watch,
  sourcemap: watch,
  logLevel: "info",
};

await rm("dist", { recursive: true, force: true });
await mkdir("dist", { recursive: true });
// vscode-languageclient kills a server that outlives `stop` with this script, found next to
// its own code: once bundled, that is dist/.
await copyFile(
  "node_modules/vscode-languageclient/lib/node/terminateProcess.sh",
  "dist/terminateProcess.sh",
);

if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
} else {
  await esbuild.build(options);
}
