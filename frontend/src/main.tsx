import { render } from 'preact';
import { App } from './app';
import { installLinkInterception } from './router';
import { loadSession } from './session';
import './styles/app.css';
import './styles/meetings.css';
import './styles/controlroom.css';

installLinkInterception();
void loadSession();
render(<App />, document.getElementById('app')!);
