import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The build goes into the Python package (package data, never committed): strands_tf/canvas/static.
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: decodeURIComponent(new URL("../strands_tf/canvas/static", import.meta.url).pathname),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
