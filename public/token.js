// The API token of the hub's browser pages (the wallboard, insights), handled the same way on
// each: it comes from ?token= once (then leaves the address bar) or from this tab's storage; with
// none, or a refused one, the page shows its login form (#login, #token, #login-error) and says
// "no token" in #status; a token typed there is kept for the tab and the page reloads with it.
window.incidentHubToken = (function () {
  'use strict';

  const KEY = 'incident-hub-token';
  const REFUSED = 'That token was refused.';

  const params = new URLSearchParams(location.search);
  if (params.get('token')) {
    sessionStorage.setItem(KEY, params.get('token'));
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + (rest ? `?${rest}` : ''));
  }
  const token = sessionStorage.getItem(KEY);

  /** Thrown by post() when the server refuses the token (401). */
  class Refused extends Error {}

  // The login form: <form id="login" data-submit="Show the board" hidden></form> in the page.
  const loginEl = document.getElementById('login');
  const label = document.createElement('label');
  label.textContent = 'API token (VIEWER is enough) ';
  const input = document.createElement('input');
  Object.assign(input, { id: 'token', type: 'password', autocomplete: 'off', placeholder: 'ih_…' });
  label.appendChild(input);
  const submit = document.createElement('button');
  submit.type = 'submit';
  submit.textContent = loginEl.dataset.submit;
  const error = document.createElement('p');
  Object.assign(error, { id: 'login-error', className: 'error' });
  loginEl.replaceChildren(label, submit, error);
  loginEl.addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, input.value.trim());
    location.reload();
  });

  /** Show the login form, with why (a refusal) or without (no token yet). */
  function ask(message) {
    loginEl.hidden = false;
    error.textContent = message || '';
    const status = document.getElementById('status');
    status.dataset.state = 'error';
    status.textContent = 'no token';
  }

  /** POST a GraphQL operation with the token; the parsed body. Throws Refused on a 401. */
  async function post(query, variables) {
    const res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    if (res.status === 401) throw new Refused(REFUSED);
    return res.json();
  }

  return { token, REFUSED, Refused, ask, post };
})();
