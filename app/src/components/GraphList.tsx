// The home page: every graph on the hub with its run state, node count and who is editing it, with create,
// search, open, rename, import, export, duplicate and delete. Refreshes on focus and every 10 s while visible.
import { createResource, createSignal, For, Match, onCleanup, onMount, Show, Switch } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { LIMITS } from "../../../shared/limits.ts";
import { createGraph, deleteGraph, type GraphSummary, getHealth, listGraphs, renameGraph } from "../api.ts";
import { checkName, ListRefresher, nodesText, presenceText, runText } from "../graphListModel.ts";
import { downloadGraph, duplicateGraph, importGraphText } from "../graphTransfer.ts";
import { notify, reportError } from "../notices.ts";
import { forgetGraph } from "../offline.ts";
import { editorPath, linkClick, navigate } from "../router.ts";
import { mayEdit } from "../session.ts";
import { pageSettled } from "../swRegister.ts";
import { timeAgo, toDate } from "../time.ts";
import { UserChip } from "./UserChip.tsx";
import "./graphList.css";

interface Renaming {
  id: string;
  draft: string;
  error?: string;
  saving: boolean;
}

export function GraphList() {
  // A store reconciled by id: a refresh keeps each row (and a rename in progress) in place.
  const [graphs, setGraphs] = createStore<GraphSummary[]>([]);
  const [loaded, setLoaded] = createSignal(false);
  const [loadError, setLoadError] = createSignal<unknown>();
  const [health] = createResource(() => getHealth().catch(() => undefined));
  const [name, setName] = createSignal("");
  const [creating, setCreating] = createSignal(false);
  const [query, setQuery] = createSignal("");
  const [busy, setBusy] = createSignal<string>();
  const [renaming, setRenaming] = createSignal<Renaming>();
  /** Bumped by each load and each local change: an answer that is no longer the latest is dropped. */
  let generation = 0;

  const load = async () => {
    const mine = ++generation;
    try {
      const list = await listGraphs();
      if (mine !== generation) return;
      setGraphs(reconcile(list, { key: "id" }));
      setLoaded(true);
      setLoadError(undefined);
    } catch (error) {
      if (mine === generation) setLoadError(error);
    }
    pageSettled();
  };
  const changedLocally = () => generation++;

  onMount(() => {
    const refresher = new ListRefresher({
      refresh: load,
      visible: () => document.visibilityState === "visible",
      now: () => Date.now(),
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
    });
    const onVisibility = () => (document.visibilityState === "visible" ? refresher.wake() : refresher.sleep());
    const onFocus = () => refresher.wake();
    document.addEventListener("visibilitychange", onVisibility);
    window.addEventListener("focus", onFocus);
    void load();
    refresher.start();
    onCleanup(() => {
      refresher.stop();
      document.removeEventListener("visibilitychange", onVisibility);
      window.removeEventListener("focus", onFocus);
    });
  });

  const sorted = () => {
    const q = query().trim().toLowerCase();
    return [...graphs]
      .filter((g) => !q || g.name.toLowerCase().includes(q) || g.id.toLowerCase().includes(q))
      .sort((a, b) => updatedMs(b) - updatedMs(a));
  };

  /** Runs one list action at a time, reporting its failure in words naming the graph. */
  const run = async (label: string, action: () => Promise<void>) => {
    if (busy()) return;
    setBusy(label);
    try {
      await action();
    } catch (error) {
      reportError(`Could not ${label}`, error);
    } finally {
      setBusy(undefined);
    }
  };
  const importFile = (file: File) =>
    run(`import ${file.name}`, async () => {
      const imported = await importGraphText(await file.text(), file.name.replace(/\.(weft\.)?json$/i, ""));
      for (const warning of imported.warnings.slice(0, 3)) notify("info", `Imported with a change: ${warning}`, 10_000);
      navigate(editorPath(imported.id));
    });

  const create = async (event: SubmitEvent) => {
    event.preventDefault();
    const trimmed = name().trim();
    if (!trimmed || creating()) return;
    setCreating(true);
    try {
      const { id } = await createGraph(trimmed);
      navigate(editorPath(id));
    } catch (error) {
      reportError("Could not create the graph", error);
    } finally {
      setCreating(false);
    }
  };

  const remove = async (graph: GraphSummary) => {
    if (!confirm(`Delete the graph "${graph.name}"? Its nodes, edges and queued messages are removed for everyone.`))
      return;
    try {
      await deleteGraph(graph.id);
      // The service worker forgets the local copy too, but not for a page it does not control yet.
      void forgetGraph(graph.id);
      changedLocally();
      const id = graph.id;
      setGraphs((list) => list.filter((g) => g.id !== id));
    } catch (error) {
      reportError(`Could not delete "${graph.name}"`, error);
      void load();
    }
  };

  const startRename = (graph: GraphSummary) => setRenaming({ id: graph.id, draft: graph.name, saving: false });
  const cancelRename = (id: string) => {
    setRenaming(undefined);
    focusRow(id, '[data-action="rename-graph"]');
  };
  const saveRename = async (graph: GraphSummary) => {
    const state = renaming();
    if (!state || state.id !== graph.id || state.saving) return;
    const checked = checkName(state.draft, graph.name);
    if (checked.ok === "unchanged") return cancelRename(graph.id);
    if (checked.ok === false) {
      setRenaming({ ...state, error: checked.error });
      return;
    }
    setRenaming({ ...state, saving: true, error: undefined });
    try {
      await renameGraph(graph.id, checked.name);
      changedLocally();
      setGraphs((g) => g.id === graph.id, "name", checked.name);
      setRenaming(undefined);
      focusRow(graph.id, '[data-action="rename-graph"]');
    } catch (error) {
      const current = renaming();
      if (current?.id !== graph.id) return;
      setRenaming({ ...current, saving: false, error: `Could not rename the graph: ${errorText(error)}` });
      focusRow(graph.id, "[data-rename-input]");
    }
  };

  return (
    <main class="page">
      <header class="page-header">
        <div class="brand">
          <span class="brand-mark" aria-hidden="true" />
          <h1>Weft</h1>
        </div>
        <p class="muted">Flow-based programming, drawn together and run by your workers.</p>
        <UserChip />
      </header>

      <form class="create-form" onSubmit={create} aria-label="Create a graph">
        <label class="visually-hidden" for="new-graph-name">
          New graph name
        </label>
        <input
          id="new-graph-name"
          name="name"
          type="text"
          placeholder="New graph name"
          maxLength={LIMITS.maxNameLength}
          autocomplete="off"
          value={name()}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <button type="submit" class="primary" data-action="create-graph" disabled={!name().trim() || creating()}>
          Create graph
        </button>
      </form>

      <section aria-labelledby="graphs-heading">
        <div class="list-tools">
          <h2 id="graphs-heading" class="section-title">
            Graphs
          </h2>
          <input
            type="search"
            class="list-search"
            placeholder="Search graphs"
            aria-label="Search graphs by name or id"
            data-graph-search
            value={query()}
            onInput={(e) => setQuery(e.currentTarget.value)}
          />
          <label class="button" data-action="import-graph" title="A Weft export or a gofi graph JSON file">
            Import…
            <input
              type="file"
              accept=".json,application/json"
              class="visually-hidden"
              data-import-file
              disabled={busy() !== undefined}
              onChange={(e) => {
                const file = e.currentTarget.files?.[0];
                e.currentTarget.value = "";
                if (file) void importFile(file);
              }}
            />
          </label>
        </div>
        <Show when={busy()}>
          {(label) => (
            <p class="muted small" role="status">
              Working: {label()}…
            </p>
          )}
        </Show>
        <Show when={loaded() && loadError()}>
          {(error) => (
            <p class="muted small graph-list-stale" role="status">
              Could not refresh the list ({errorText(error())}); showing what was loaded before. It retries every 10 s.
            </p>
          )}
        </Show>
        <Switch>
          <Match when={!loaded() && loadError()}>
            <div class="empty" role="alert">
              Could not load the graphs: {errorText(loadError())}{" "}
              <button type="button" onClick={() => void load()}>
                Retry
              </button>
            </div>
          </Match>
          <Match when={!loaded()}>
            <div class="empty">Loading…</div>
          </Match>
          <Match when={sorted().length === 0 && query().trim()}>
            <div class="empty">No graph matches “{query().trim()}”.</div>
          </Match>
          <Match when={sorted().length === 0}>
            <div class="empty">No graphs yet. Name one above to start, or import a file.</div>
          </Match>
          <Match when={true}>
            <ul class="graph-list" aria-label="Graphs">
              <For each={sorted()}>
                {(graph) => {
                  const updated = () => toDate(graph.updatedAt);
                  const state = () => runText(graph);
                  const label = () => graph.name || graph.id;
                  const editing = () => (renaming()?.id === graph.id ? renaming() : undefined);
                  return (
                    <li
                      class="graph-item"
                      data-graph-id={graph.id}
                      data-graph-state={state().state}
                      data-graph-nodes={graph.nodes ?? ""}
                      data-graph-editors={graph.editorCount ?? graph.editors?.length ?? 0}
                      data-graph-viewers={graph.viewers ?? 0}
                    >
                      <div class="graph-main">
                        <Show
                          when={editing()}
                          fallback={
                            <a class="graph-link" href={editorPath(graph.id)} onClick={linkClick}>
                              <span class="graph-name">{label()}</span>
                              <span class="graph-id mono">{graph.id}</span>
                            </a>
                          }
                        >
                          {(r) => (
                            <RenameField
                              graph={graph}
                              renaming={r()}
                              onInput={(draft) => setRenaming({ ...r(), draft, error: undefined })}
                              onSave={() => void saveRename(graph)}
                              onCancel={() => cancelRename(graph.id)}
                            />
                          )}
                        </Show>
                        <div class="graph-facts">
                          <span
                            class={`graph-state graph-state-${state().state}`}
                            title={state().title}
                            data-graph-state-label
                          >
                            <span class="graph-state-dot" aria-hidden="true" />
                            {state().label}
                          </span>
                          <Show when={nodesText(graph.nodes)}>
                            {(text) => <span class="graph-nodes">{text()}</span>}
                          </Show>
                          <Show when={presenceText(graph)}>
                            {(text) => (
                              <span class="graph-presence" title={(graph.editors ?? []).join(", ") || undefined}>
                                {text()}
                              </span>
                            )}
                          </Show>
                        </div>
                      </div>
                      <time
                        class="muted graph-updated"
                        datetime={updated()?.toISOString()}
                        title={updated()?.toLocaleString()}
                      >
                        {updated() ? `updated ${timeAgo(updated() as Date)}` : ""}
                      </time>
                      <Show when={mayEdit(graph.id)}>
                        <button
                          type="button"
                          class="ghost"
                          data-action="rename-graph"
                          aria-label={`Rename ${label()}`}
                          disabled={editing() !== undefined}
                          onClick={() => startRename(graph)}
                        >
                          Rename
                        </button>
                      </Show>
                      <button
                        type="button"
                        class="ghost"
                        data-action="export-graph"
                        aria-label={`Export ${label()} as JSON`}
                        disabled={busy() !== undefined}
                        onClick={() => void run(`export "${graph.name}"`, () => downloadGraph(graph.id))}
                      >
                        Export
                      </button>
                      <button
                        type="button"
                        class="ghost"
                        data-action="duplicate-graph"
                        aria-label={`Duplicate ${label()}`}
                        disabled={busy() !== undefined}
                        onClick={() =>
                          void run(`duplicate "${graph.name}"`, async () => {
                            await duplicateGraph(graph.id, graph.name || graph.id);
                            await load();
                          })
                        }
                      >
                        Duplicate
                      </button>
                      <button
                        type="button"
                        class="danger ghost"
                        data-action="delete-graph"
                        aria-label={`Delete ${label()}`}
                        onClick={() => void remove(graph)}
                      >
                        Delete
                      </button>
                    </li>
                  );
                }}
              </For>
            </ul>
          </Match>
        </Switch>
      </section>

      <footer class="page-footer muted">
        <Show when={!health.loading}>
          <Show when={health()} fallback={<span>hub unreachable</span>}>
            {(h) => <span>hub {h().version}</span>}
          </Show>
        </Show>
      </footer>
    </main>
  );
}

/** The inline rename: Enter saves, Escape cancels; a refusal is said under the field, which keeps the draft. */
function RenameField(props: {
  graph: GraphSummary;
  renaming: Renaming;
  onInput: (draft: string) => void;
  onSave: () => void;
  onCancel: () => void;
}) {
  const errorId = `rename-error-${props.graph.id}`;
  let input: HTMLInputElement | undefined;
  onMount(() => {
    input?.focus();
    input?.select();
  });
  return (
    <div class="graph-rename" data-rename-form>
      <input
        ref={input}
        type="text"
        class="graph-rename-input"
        data-rename-input
        aria-label={`New name for ${props.graph.name || props.graph.id}`}
        aria-invalid={props.renaming.error ? "true" : undefined}
        aria-describedby={props.renaming.error ? errorId : undefined}
        maxLength={LIMITS.maxNameLength}
        autocomplete="off"
        value={props.renaming.draft}
        readOnly={props.renaming.saving}
        onInput={(e) => props.onInput(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            props.onSave();
          } else if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation();
            props.onCancel();
          }
        }}
      />
      <button
        type="button"
        class="primary"
        data-action="save-rename"
        disabled={props.renaming.saving}
        onClick={props.onSave}
      >
        {props.renaming.saving ? "Saving…" : "Save"}
      </button>
      <button type="button" class="ghost" data-action="cancel-rename" onClick={props.onCancel}>
        Cancel
      </button>
      <Show when={props.renaming.error}>
        {(error) => (
          <p id={errorId} class="graph-rename-error" role="alert" data-rename-error>
            {error()}
          </p>
        )}
      </Show>
    </div>
  );
}

/** Moves focus to an element of a graph's row once Solid has drawn it (after a rename closes or fails). */
function focusRow(graphId: string, selector: string): void {
  queueMicrotask(() => {
    const row = document.querySelector(`[data-graph-id="${CSS.escape(graphId)}"]`);
    row?.querySelector<HTMLElement>(selector)?.focus();
  });
}

function updatedMs(graph: GraphSummary): number {
  return toDate(graph.updatedAt)?.getTime() ?? 0;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
