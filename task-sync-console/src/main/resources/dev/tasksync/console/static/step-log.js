// Step page: follows the log of a running attempt by asking /api/steps/{id}/log for the lines after the
// ones shown, until the attempt has finished. Writes text only (text nodes), never HTML.
const POLL_MS = 500;

async function follow(pre) {
  let next = Number(pre.dataset.lines || '0');
  const base = '/api/steps/' + encodeURIComponent(pre.dataset.step) + '/log?attempt=' + encodeURIComponent(pre.dataset.attempt);
  for (;;) {
    let body;
    try {
      const r = await fetch(base + '&from=' + next, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (!r.ok) {
        pre.dataset.follow = 'error';
        return;
      }
      body = await r.json();
    } catch (e) {
      await new Promise(res => setTimeout(res, POLL_MS * 4));
      continue;
    }
    if (body.lines.length > 0) {
      pre.append(document.createTextNode(body.lines.map(l => l.text + '\n').join('')));
    }
    next = body.next;
    pre.dataset.lines = String(next);
    if (body.finished) {
      pre.dataset.follow = 'done';
      const note = document.getElementById('following-' + pre.dataset.attempt);
      if (note) {
        note.textContent = '(finished)';
      }
      return;
    }
    if (body.lines.length === 0) {
      await new Promise(res => setTimeout(res, POLL_MS));
    }
  }
}

document.querySelectorAll('pre.log[data-follow="true"]').forEach(follow);
