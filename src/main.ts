import { mount } from 'svelte';
import App from './components/App.svelte';
import { createAppState } from './app/create-app-state.ts';
import { rosterWorker } from './app/roster-worker-client.ts';
import './app.css';

mount(App, { target: document.getElementById('app')!, props: createAppState(rosterWorker()) });
