// Top-level page switch driven by the URL (see router.ts), behind the sign-in (see session.ts).
import { Match, Switch } from "solid-js";
import { Editor } from "./components/Editor.tsx";
import { GraphList } from "./components/GraphList.tsx";
import { NotFound } from "./components/NotFound.tsx";
import { Notices } from "./components/Notices.tsx";
import { SignIn } from "./components/SignIn.tsx";
import { currentRoute } from "./router.ts";
import { loadSession, session } from "./session.ts";

export function App() {
  void loadSession();
  return (
    <>
      <Switch>
        <Match when={session().state === "signed-in"}>
          <Pages />
        </Match>
        <Match when={session().state === "signed-out"}>
          <SignIn />
        </Match>
      </Switch>
      <Notices />
    </>
  );
}

function Pages() {
  const route = currentRoute;
  const editorId = () => {
    const r = route();
    return r.page === "editor" ? r.graphId : undefined;
  };
  return (
    <Switch>
      <Match when={route().page === "list"}>
        <GraphList />
      </Match>
      <Match when={editorId()} keyed>
        {(graphId) => <Editor graphId={graphId} />}
      </Match>
      <Match when={route().page === "missing"}>
        <NotFound title="Page not found" />
      </Match>
    </Switch>
  );
}
