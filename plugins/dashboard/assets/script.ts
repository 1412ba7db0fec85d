/**
 * The dashboard's one script (served from the binary; the CSP allows no inline script): local times, copy
 * buttons, confirmations, and the live event stream of a coding-agent run.
 */
export const JS = `
(() => {
  const fmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
  for (const el of document.querySelectorAll("time[datetime]")) {
    const d = new Date(el.getAttribute("datetime"));
    if (!Number.isNaN(d.getTime())) { el.title = el.getAttribute("datetime"); el.textContent = fmt.format(d); }
  }
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", async () => {
      const target = document.getElementById(button.getAttribute("data-copy"));
      if (!target) return;
      await navigator.clipboard.writeText(target.textContent.trim()).catch(() => {});
      button.textContent = "Copied";
    });
  }
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (e) => { if (!confirm(form.getAttribute("data-confirm"))) e.preventDefault(); });
  }
  const stream = document.querySelector("[data-stream]");
  if (stream) {
    const source = new EventSource(stream.getAttribute("data-stream"));
    const status = document.getElementById("run-status");
    const add = (type, data) => {
      const line = document.createElement("div");
      line.textContent = type + ": " + (typeof data === "string" ? data : JSON.stringify(data));
      stream.appendChild(line);
      stream.scrollTop = stream.scrollHeight;
    };
    const types = ["status", "turn.started", "assistant.text", "tool.call", "tool.result", "command.output", "patch", "pull_request", "error", "turn.completed", "end"];
    for (const type of types) {
      source.addEventListener(type, (e) => {
        let data = e.data;
        try { data = JSON.parse(e.data); } catch {}
        add(type, data);
        if (type === "status" && status && data && data.status) status.textContent = data.status;
        if (type === "end") source.close();
      });
    }
  }
})();
`;
