/** The simulated carrier (development only): what the server uses of it. */
export { type SimPhone, SimulatedCarrier } from './carrier.js';
export {
  DEFAULT_SIMULATOR_NUMBER,
  endSimulatorWaits,
  setSimulatorOrigin,
  simulatedCarrier,
  simulatorNumbers,
  stopSimulatedCarrier,
} from './instance.js';
export { simulatorRoutes } from './routes.js';
