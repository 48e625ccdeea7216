// Live task page: listens to /tasks/{id}/events (server-sent events, already coalesced by the server)
// and recolours the DAG's nodes (or the collapsed picture's bars) and the step table. Writes text only
// through textContent. Elements are found by id: a query by attribute per step would cost O(steps) each.
const STATUSES = ['new', 'active', 'completed', 'failed', 'skipped', 'cancelled'];
// the collapsed picture's geometry, as DagView draws it
const BAR_X = 200;
const BAR_WIDTH = 600;

function setStatus(el, status) {
  if (!el || !STATUSES.includes(status)) {
    return;
  }
  STATUSES.forEach(s => el.classList.remove(s));
  el.classList.add(status);
}

function setText(id, text) {
  const el = document.getElementById(id);
  if (el && typeof text === 'string' && el.textContent !== text) {
    el.textContent = text;
  }
}

function moveInBand(band, from, to) {
  const a = document.getElementById('band-' + band + '-' + from);
  const b = document.getElementById('band-' + band + '-' + to);
  if (!a || !b) {
    return false;
  }
  a.dataset.count = String(Math.max(0, Number(a.dataset.count) - 1));
  b.dataset.count = String(Number(b.dataset.count) + 1);
  return true;
}

// the same split as DagView.segments: status order, rounded cumulative ends
function redrawBand(band) {
  const group = document.getElementById('band-' + band);
  const total = Number(group.dataset.steps);
  let done = 0;
  let x = BAR_X;
  const parts = [];
  for (const s of STATUSES) {
    const rect = document.getElementById('band-' + band + '-' + s);
    const count = Number(rect.dataset.count);
    done += count;
    const end = BAR_X + (total === 0 ? 0 : Math.round(done * BAR_WIDTH / total));
    rect.setAttribute('x', String(x));
    rect.setAttribute('width', String(end - x));
    x = end;
    if (count > 0) {
      parts.push(count + ' ' + s);
    }
  }
  setText('band-' + band + '-counts', parts.join(', '));
}

function apply(update) {
  const taskStatus = document.getElementById('task-status');
  if (taskStatus && update.task_status) {
    setStatus(taskStatus, update.task_status);
    taskStatus.textContent = update.task_status;
  }
  const bands = new Set();
  for (const [id, status] of Object.entries(update.steps || {})) {
    setStatus(document.getElementById('node-' + id), status);
    const cell = document.getElementById('step-status-' + id);
    if (cell && STATUSES.includes(status)) {
      const band = cell.dataset.band;
      if (band !== undefined && band !== '-1' && cell.textContent !== status && moveInBand(band, cell.textContent, status)) {
        bands.add(band);
      }
      setStatus(cell, status);
      cell.textContent = status;
    }
  }
  bands.forEach(redrawBand);
  for (const [id, p] of Object.entries(update.progress || {})) {
    setText('step-attempt-' + id, String(p.attempt));
    setText('step-finished-' + id, p.finished);
    setText('step-duration-' + id, p.duration);
  }
  document.body.dataset.liveUpdates = String(Number(document.body.dataset.liveUpdates || '0') + 1);
}

const section = document.getElementById('dag-section');
if (section && window.EventSource) {
  const source = new EventSource('/tasks/' + encodeURIComponent(section.dataset.task) + '/events');
  source.addEventListener('steps', e => apply(JSON.parse(e.data)));
  source.addEventListener('open', () => { document.body.dataset.live = 'open'; });
}
