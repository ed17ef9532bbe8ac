// layers (being written)
import { mapReady } from './map.js';
await mapReady;
