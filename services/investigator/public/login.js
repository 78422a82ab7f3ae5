// Login page: posts the credentials as JSON, then goes to the console.
const form = document.getElementById('login');
const error = document.getElementById('error');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.textContent = '';
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    const res = await fetch('/api/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: form.user.value, password: form.password.value }),
    });
    if (res.ok) {
      location.assign('/#/queue');
      return;
    }
    const body = await res.json().catch(() => ({}));
    error.textContent = body.message || `Sign-in failed (${res.status})`;
  } catch {
    error.textContent = 'The console cannot be reached.';
  } finally {
    button.disabled = false;
  }
});
