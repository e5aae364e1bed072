// The page shown without a session: how to get in (a login link or a pasted access token).
import { createSignal, Show } from "solid-js";
import { session } from "../session.ts";

export function SignIn() {
  const [token, setToken] = createSignal("");
  const why = () => {
    const s = session();
    return s.state === "signed-out" ? s.why : undefined;
  };
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const value = token().trim();
    // The hub turns ?token= into a session cookie and sends the browser back here without it.
    if (value) location.assign(`${location.pathname}?token=${encodeURIComponent(value)}`);
  };
  return (
    <main class="page page-narrow" data-page="sign-in">
      <h1>Sign in to Weft</h1>
      <Show when={why()}>
        <p class="notice-inline" role="status">
          {why()}
        </p>
      </Show>
      <p>
        This hub needs an access token. Open the login link you were given (<code>npm start</code> prints one), or paste
        a token:
      </p>
      <form class="sign-in" onSubmit={submit}>
        <label>
          Access token
          <input
            type="password"
            autocomplete="off"
            data-sign-in-token
            value={token()}
            onInput={(e) => setToken(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="primary" disabled={!token().trim()}>
          Sign in
        </button>
      </form>
      <p class="muted">
        An admin creates tokens on the hub's machine with{" "}
        <code>npx weft token create --user ann --name "Ann" --role editor --graph demo</code>. Roles: viewer (read
        only), editor (edit, start, stop, import), admin (also delete and manage worker tokens).
      </p>
    </main>
  );
}
