// Live task page: listens to /tasks/{id}/events (server-sent events, already coalesced by the server)
// and recolours the DAG's nodes (or the collapsed picture's bars) and the step table. Writes text only
// through textContent. Elements are found by id: a query by attribute per step would cost O(steps) each.
// The step statuses in StepStatus's order (the collapsed picture's segment order), from the page's data: the
// server's enum, so a new status cannot leave this script behind.
const section = document.getElementById('dag-section');
const STATUSES = section && section.dataset.statuses ? section.dataset.statuses.split(' ') : [];
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

// The collapsed picture of a big task: which band each step is drawn in (from the bands' data-ids ranges), and
// the last status the live events gave each step. The step table shows one page of such a task, so a bar is
// recounted from these, not from the rows on the page. Until the first event (every step's status) the bars
// keep the counts the server drew.
const bandOf = new Map();
const bandIds = [];
const known = new Map();

function readBands() {
  document.querySelectorAll('#dag.collapsed g.band').forEach(group => {
    const band = Number(group.id.substring('band-'.length));
    const ids = [];
    for (const range of (group.dataset.ids || '').split(',')) {
      if (range === '') {
        continue;
      }
      const [first, last] = range.split('-').map(Number);
      for (let id = first; id <= (last === undefined ? first : last); id++) {
        ids.push(id);
        bandOf.set(id, band);
      }
    }
    bandIds[band] = ids;
  });
}

// the same split as DagView.segments: status order, rounded cumulative ends
function redrawBand(band) {
  const counts = Object.fromEntries(STATUSES.map(s => [s, 0]));
  for (const id of bandIds[band]) {
    const status = known.get(id);
    if (status === undefined) {
      return; // not every step of the band is known yet
    }
    counts[status]++;
  }
  const total = bandIds[band].length;
  let done = 0;
  let x = BAR_X;
  const parts = [];
  for (const s of STATUSES) {
    const rect = document.getElementById('band-' + band + '-' + s);
    const count = counts[s];
    done += count;
    const end = BAR_X + (total === 0 ? 0 : Math.round(done * BAR_WIDTH / total));
    rect.dataset.count = String(count);
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
  for (const [key, status] of Object.entries(update.steps || {})) {
    if (!STATUSES.includes(status)) {
      continue;
    }
    const id = Number(key);
    const band = bandOf.get(id);
    if (band !== undefined && known.get(id) !== status) {
      known.set(id, status);
      bands.add(band);
    }
    setStatus(document.getElementById('node-' + key), status);
    const cell = document.getElementById('step-status-' + key);
    if (cell) {
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

if (section && window.EventSource) {
  readBands();
  const source = new EventSource('/tasks/' + encodeURIComponent(section.dataset.task) + '/events');
  source.addEventListener('steps', e => apply(JSON.parse(e.data)));
  source.addEventListener('open', () => { document.body.dataset.live = 'open'; });
  // the task was deleted: say so, and stop (EventSource would reconnect to a stream that can only end again)
  source.addEventListener('deleted', () => {
    source.close();
    document.body.dataset.live = 'deleted';
    const note = document.getElementById('task-deleted');
    if (note) {
      note.hidden = false;
    }
  });
}
