// Live task page: listens to /tasks/{id}/events (server-sent events, already coalesced by the server)
// and recolours the DAG's nodes and the step table's statuses. Writes text only through textContent.
const STATUSES = ['new', 'active', 'completed', 'failed', 'skipped', 'cancelled'];

function setStatus(el, status) {
  if (!el || !STATUSES.includes(status)) {
    return;
  }
  STATUSES.forEach(s => el.classList.remove(s));
  el.classList.add(status);
}

function apply(update) {
  const taskStatus = document.getElementById('task-status');
  if (taskStatus && update.task_status) {
    setStatus(taskStatus, update.task_status);
    taskStatus.textContent = update.task_status;
  }
  for (const [id, status] of Object.entries(update.steps || {})) {
    setStatus(document.getElementById('node-' + id), status);
    const cell = document.querySelector('[data-step-status="' + CSS.escape(id) + '"]');
    if (cell) {
      setStatus(cell, status);
      cell.textContent = status;
    }
  }
  document.body.dataset.liveUpdates = String(Number(document.body.dataset.liveUpdates || '0') + 1);
}

const section = document.getElementById('dag-section');
if (section && window.EventSource) {
  const source = new EventSource('/tasks/' + encodeURIComponent(section.dataset.task) + '/events');
  source.addEventListener('steps', e => apply(JSON.parse(e.data)));
  source.addEventListener('open', () => { document.body.dataset.live = 'open'; });
}
