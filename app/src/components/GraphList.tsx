// The home page: every graph on the hub, with create, search, open, import, export, duplicate and delete.
import { createResource, createSignal, For, Match, Show, Switch } from "solid-js";
import { createGraph, deleteGraph, type GraphSummary, getHealth, listGraphs } from "../api.ts";
import { downloadGraph, duplicateGraph, importGraphText } from "../graphTransfer.ts";
import { notify, reportError } from "../notices.ts";
import { editorPath, linkClick, navigate } from "../router.ts";
import { timeAgo, toDate } from "../time.ts";
import { UserChip } from "./UserChip.tsx";

export function GraphList() {
  const [graphs, { refetch, mutate }] = createResource(listGraphs);
  const [health] = createResource(() => getHealth().catch(() => undefined));
  const [name, setName] = createSignal("");
  const [creating, setCreating] = createSignal(false);
  const [query, setQuery] = createSignal("");
  const [busy, setBusy] = createSignal<string>();

  const sorted = () => {
    const q = query().trim().toLowerCase();
    return [...(graphs() ?? [])]
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
      mutate((list) => list?.filter((g) => g.id !== graph.id));
    } catch (error) {
      reportError(`Could not delete "${graph.name}"`, error);
      void refetch();
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
          maxLength={200}
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
        <Switch>
          <Match when={graphs.error}>
            <div class="empty" role="alert">
              Could not load the graphs: {errorText(graphs.error)}{" "}
              <button type="button" onClick={() => void refetch()}>
                Retry
              </button>
            </div>
          </Match>
          <Match when={graphs.loading && !graphs.latest}>
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
                  const updated = toDate(graph.updatedAt);
                  return (
                    <li class="graph-item" data-graph-id={graph.id}>
                      <a class="graph-link" href={editorPath(graph.id)} onClick={linkClick}>
                        <span class="graph-name">{graph.name || graph.id}</span>
                        <span class="graph-id mono">{graph.id}</span>
                      </a>
                      <time
                        class="muted graph-updated"
                        datetime={updated?.toISOString()}
                        title={updated?.toLocaleString()}
                      >
                        {updated ? `updated ${timeAgo(updated)}` : ""}
                      </time>
                      <button
                        type="button"
                        class="ghost"
                        data-action="export-graph"
                        aria-label={`Export ${graph.name || graph.id} as JSON`}
                        disabled={busy() !== undefined}
                        onClick={() => void run(`export "${graph.name}"`, () => downloadGraph(graph.id))}
                      >
                        Export
                      </button>
                      <button
                        type="button"
                        class="ghost"
                        data-action="duplicate-graph"
                        aria-label={`Duplicate ${graph.name || graph.id}`}
                        disabled={busy() !== undefined}
                        onClick={() =>
                          void run(`duplicate "${graph.name}"`, async () => {
                            await duplicateGraph(graph.id, graph.name || graph.id);
                            await refetch();
                          })
                        }
                      >
                        Duplicate
                      </button>
                      <button
                        type="button"
                        class="danger ghost"
                        data-action="delete-graph"
                        aria-label={`Delete ${graph.name || graph.id}`}
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

function updatedMs(graph: GraphSummary): number {
  return toDate(graph.updatedAt)?.getTime() ?? 0;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
