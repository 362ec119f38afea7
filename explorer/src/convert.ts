// "Copy as Filter / MLflow": the server converts the query (nql_lsp/features/convert); the dialog shows the
// code and, beside it, every problem (what the other library cannot say, with the clause it is about), so
// nothing is copied silently wrong. The code is put on the clipboard when there is code and the browser lets
// us; the dialog's Copy button tries again.

import { get, type ConvertAnswer } from "./api";
import { el } from "./table";

const TITLES = { filter: "The query as neptune-query Filter code", mlflow: "The query as an MLflow search" };

export type Target = keyof typeof TITLES;

const $ = (id: string): HTMLElement => {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page lacks #${id}`);
  return found;
};

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false; // no clipboard (an insecure origin, a denied permission): the text stays shown to select
  }
}

function note(answer: ConvertAnswer): string {
  if (answer.text === null) return "It cannot be converted:";
  if (answer.to === "mlflow") {
    return answer.exact
      ? "An MLflow filter_string, for mlflow.search_runs(filter_string=…):"
      : "MLflow's filter_string cannot say all of it (OR, NOT, numbers held as parameters): a search_runs call with a pandas post-filter returning the same runs:";
  }
  return "A neptune-query Filter, for fetch_experiments_table(filter=…) and the other fetch functions:";
}

export async function showConversion(to: Target, query: string, project: string): Promise<void> {
  const dialog = $("convert") as HTMLDialogElement;
  const code = $("convert-code");
  const problems = $("convert-problems");
  const status = $("convert-status");
  const copy = $("convert-copy") as HTMLButtonElement;
  $("convert-title").textContent = TITLES[to];
  $("convert-note").textContent = "Converting…";
  code.textContent = "";
  problems.replaceChildren();
  status.textContent = "";
  dialog.dataset.to = to;
  delete dialog.dataset.done;
  if (!dialog.open) dialog.showModal();
  let answer: ConvertAnswer;
  try {
    answer = await get<ConvertAnswer>("/api/convert", { q: query, to, project });
  } catch (e) {
    $("convert-note").textContent = e instanceof Error ? e.message : String(e);
    dialog.dataset.done = "1";
    return;
  }
  $("convert-note").textContent = note(answer);
  code.hidden = answer.text === null;
  code.textContent = answer.text ?? "";
  problems.replaceChildren(
    ...answer.problems.map((p) => {
      const item = el("li", `problem ${p.severity}`);
      const head = el("span", "code");
      head.textContent = p.code;
      const message = el("span", "message");
      message.textContent = p.message;
      item.append(head, message);
      if (p.text && p.text !== query) {
        const where = el("code", "where");
        where.textContent = p.text;
        item.append(where);
      }
      return item;
    }),
  );
  copy.hidden = answer.text === null;
  const text = answer.text;
  copy.onclick = async () => {
    if (text !== null) status.textContent = (await copyText(text)) ? "Copied." : "The browser refused the clipboard: select the text.";
  };
  if (text !== null) status.textContent = (await copyText(text)) ? "Copied to the clipboard." : "";
  dialog.dataset.done = "1";
}

export function setUpConversions(current: () => { q: string; project: string }): void {
  const dialog = $("convert") as HTMLDialogElement;
  $("convert-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (e) => {
    if (e.target === dialog) dialog.close(); // a click on the backdrop
  });
  for (const to of ["filter", "mlflow"] as const) {
    $(`copy-${to}`).addEventListener("click", () => {
      const { q, project } = current();
      void showConversion(to, q, project);
    });
  }
}
