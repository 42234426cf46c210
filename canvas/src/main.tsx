import "@xyflow/react/dist/style.css";
import "./styles.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Api, readToken } from "./api";
import App from "./App";

const token = readToken();
const root = createRoot(document.getElementById("root")!);
if (!token) {
  root.render(
    <div className="fatal">
      <h2>strands canvas</h2>
      <p>This page needs the token from the URL `strands canvas` printed. Open that URL (it ends in ?token=…).</p>
    </div>,
  );
} else {
  root.render(
    <StrictMode>
      <App api={new Api(token)} />
    </StrictMode>,
  );
}
