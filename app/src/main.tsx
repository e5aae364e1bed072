// Entry point: mounts the app into #root and registers the service worker that opens it offline.
import { render } from "solid-js/web";
import { App } from "./App.tsx";
import { registerServiceWorker } from "./swRegister.ts";
import "./styles.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");
render(() => <App />, root);
registerServiceWorker();
