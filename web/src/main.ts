import { mount } from 'svelte';
import App from './App.svelte';
import { loadMediaEngine } from './lib/media/engine.js';
import './app.css';

// Pages create their media for the server's engine (p2p or janus): known before anything mounts.
await loadMediaEngine();
mount(App, { target: document.getElementById('app')! });
