// Vite empties dist/ before each build; put back the placeholder that git keeps so that
// the Go embed directive (//go:embed all:dist) always finds the directory.
import { writeFileSync } from 'node:fs';

writeFileSync(new URL('../dist/.keep', import.meta.url), '');
