import { mount } from 'svelte';
import App from './components/App.svelte';
import { RosterSession } from './app/roster-session.svelte.ts';
import { UserList } from './app/user-list.svelte.ts';
import { rosterWorker } from './app/roster-worker-client.ts';
import './app.css';

const worker = rosterWorker();

mount(App, {
  target: document.getElementById('app')!,
  props: { session: new RosterSession(worker), list: new UserList(worker) },
});
