// Who is signed in, with their role here, and a way to sign out.
import { Show } from "solid-js";
import { roleOn, session, signOut } from "../session.ts";

export function UserChip(props: { graphId?: string }) {
  const me = () => {
    const s = session();
    return s.state === "signed-in" ? s.me : undefined;
  };
  return (
    <Show when={me()}>
      {(m) => (
        <span class="user-chip" data-user={m().user}>
          <span title={`signed in as ${m().user}`}>{m().name}</span>
          <span class="muted" data-role={roleOn(props.graphId) ?? "none"}>
            {roleOn(props.graphId) ?? "no role"}
          </span>
          <button type="button" class="link" onClick={() => void signOut()}>
            Sign out
          </button>
        </span>
      )}
    </Show>
  );
}
