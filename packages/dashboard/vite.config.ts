import { defineConfig } from "vite";

// The server serves the build at /dashboard/; Preact's JSX through esbuild, no Babel.
export default defineConfig({
  base: "/dashboard/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: false },
  logLevel: "warn",
});
