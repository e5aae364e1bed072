// A not-found page with a way back to the graph list.
import type { JSX } from "solid-js";
import { linkClick } from "../router.ts";

export function NotFound(props: { title: string; page?: string; children?: JSX.Element }) {
  return (
    <main class="page page-narrow" data-page={props.page}>
      <h1>{props.title}</h1>
      {props.children}
      <p>
        <a href="/" onClick={linkClick}>
          Back to the graphs
        </a>
      </p>
    </main>
  );
}
