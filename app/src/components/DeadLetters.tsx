// One edge's dead letters (DELIVERY-6, -8): how many, the first page newest first with each one's last error,
// and replay or purge, all or one. The count comes live from the status push; the page is fetched when it
// changes (at most once a second). Replay and purge need the editor role; the inspector disables them for viewers.
import { createEffect, createSignal, For, on, onCleanup, Show } from "solid-js";
import {
  type DeadLetterPage,
  listDeadLetters,
  purgeDeadLetter,
  purgeDeadLetters,
  replayDeadLetter,
  replayDeadLetters,
} from "../api.ts";
import { useEditor } from "../editorContext.ts";
import { jsonPreview } from "../format.ts";
import { notify, reportError } from "../notices.ts";

/** Dead letters listed in the panel (the API's page is up to 1,000; the panel shows the first ones). */
const PAGE = 50;
const RELOAD_GAP_MS = 1000;

export function DeadLetters(props: { id: string }) {
  const editor = useEditor();
  const count = () => editor.runtime.state.edges[props.id]?.deadLetters ?? 0;
  const [page, setPage] = createSignal<DeadLetterPage>();
  const [busy, setBusy] = createSignal(false);

  let lastLoad = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;
  const load = async () => {
    lastLoad = Date.now();
    try {
      const next = await listDeadLetters(editor.graphId, props.id, { limit: PAGE });
      if (!disposed) setPage(next);
    } catch (error) {
      if (!disposed) reportError("Could not list the dead letters", error);
    }
  };
  /** Loads the page soon, at most once per RELOAD_GAP_MS however often the count changes. */
  const reload = () => {
    if (timer !== undefined) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        void load();
      },
      Math.max(0, lastLoad + RELOAD_GAP_MS - Date.now()),
    );
  };
  onCleanup(() => {
    disposed = true;
    if (timer !== undefined) clearTimeout(timer);
  });
  createEffect(
    on(count, (n) => {
      if (n > 0) reload();
      else setPage(undefined);
    }),
  );

  const rows = () => [...(page()?.deadLetters ?? [])].sort((a, b) => b.id - a.id);
  const newest = () => rows()[0];

  /** Runs one replay or purge request; the list and count follow (the status push moves the count). */
  const act = async (what: string, run: () => Promise<string | undefined>) => {
    setBusy(true);
    try {
      const done = await run();
      if (done) notify("info", done, 4000);
    } catch (error) {
      reportError(what, error);
    } finally {
      setBusy(false);
      if (!disposed) void load();
    }
  };
  const replayAll = () =>
    act("Could not replay the dead letters", async () => {
      const r = await replayDeadLetters(editor.graphId, props.id);
      return `Replayed ${r.replayed} dead ${plural(r.replayed)}${r.left > 0 ? `; ${r.left} left (replay again)` : ""}.`;
    });
  const purgeAll = () => {
    if (!confirm(`Purge all ${count()} dead ${plural(count())} of this edge? Their messages are lost for good.`))
      return;
    void act("Could not purge the dead letters", async () => {
      const r = await purgeDeadLetters(editor.graphId, props.id);
      return `Purged ${r.purged} dead ${plural(r.purged)}.`;
    });
  };
  const replayOne = (id: number) =>
    act(`Could not replay dead letter ${id}`, async () => {
      await replayDeadLetter(editor.graphId, props.id, id);
      return undefined;
    });
  const purgeOne = (id: number) =>
    act(`Could not purge dead letter ${id}`, async () => {
      await purgeDeadLetter(editor.graphId, props.id, id);
      return undefined;
    });

  return (
    <section class="dead-letters" aria-label="Dead letters" data-dead-letters={props.id} data-count={count()}>
      <h3 class="section-title">
        Dead letters <span class="muted">{count()}</span>
      </h3>
      <Show when={count() > 0} fallback={<p class="muted small">No dead letters.</p>}>
        <Show when={newest()}>
          {(d) => (
            <div class="field">
              <span class="field-label">Newest error</span>
              <pre class="last-error" data-newest-dead-letter-error>
                {d().error}
              </pre>
            </div>
          )}
        </Show>
        <div class="button-row">
          <button type="button" data-action="replay-dead-letters" disabled={busy()} onClick={() => void replayAll()}>
            Replay all
          </button>
          <button type="button" class="danger" data-action="purge-dead-letters" disabled={busy()} onClick={purgeAll}>
            Purge all
          </button>
        </div>
        <Show when={count() > rows().length && rows().length > 0}>
          <p class="muted small">
            Showing the oldest {rows().length} of {count()}, newest first.
          </p>
        </Show>
        <ol class="dead-letter-list" aria-label="Dead letters, newest first">
          <For each={rows()}>
            {(d) => (
              <li class="dead-letter" data-dead-letter-id={d.id} data-message-id={d.message.id}>
                <div class="dead-letter-head">
                  <span class="mono" title={`dead letter ${d.id}`}>
                    {d.message.id}
                  </span>
                  <span class="muted small" title={new Date(d.at).toLocaleString()}>
                    {d.attempts} {d.attempts === 1 ? "attempt" : "attempts"} · {new Date(d.at).toLocaleTimeString()}
                  </span>
                </div>
                <p class="field-error small">{d.error}</p>
                <code class="mono small value-preview">{jsonPreview(d.message.value, 100)}</code>
                <div class="button-row">
                  <button
                    type="button"
                    class="icon-button"
                    data-action="replay-dead-letter"
                    aria-label={`Replay dead letter ${d.message.id}`}
                    disabled={busy()}
                    onClick={() => void replayOne(d.id)}
                  >
                    Replay
                  </button>
                  <button
                    type="button"
                    class="icon-button danger"
                    data-action="purge-dead-letter"
                    aria-label={`Purge dead letter ${d.message.id}`}
                    disabled={busy()}
                    onClick={() => void purgeOne(d.id)}
                  >
                    Purge
                  </button>
                </div>
              </li>
            )}
          </For>
        </ol>
      </Show>
    </section>
  );
}

function plural(n: number): string {
  return n === 1 ? "letter" : "letters";
}
