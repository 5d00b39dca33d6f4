// Adds a picture to a posted news item from /staff/news: the chosen file is sent as it
// is, with the page's CSRF token; the hub checks it (JPEG or PNG, at most 1 MiB) and,
// when it refuses, says what to fix in the member's language.
'use strict';
document.querySelectorAll('form.news-picture').forEach(function (form) {
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var input = form.querySelector('input[type=file]');
    var status = form.querySelector('.status');
    var file = input && input.files[0];
    if (!file) { return; }
    status.textContent = '…';
    fetch(form.action, {
      method: 'PUT',
      body: file,
      credentials: 'same-origin',
      headers: { 'X-CSRF-Token': form.dataset.csrf, 'Content-Type': file.type || 'application/octet-stream' }
    }).then(function (response) {
      if (response.ok) { window.location.reload(); return null; }
      return response.json().then(function (answer) { status.textContent = answer.message; });
    }).catch(function () { status.textContent = form.dataset.failed; });
  });
});
