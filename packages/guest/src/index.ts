export { GuestStartFailure, runGuest, type GuestStart, type RunningGuest } from './agent.js';
export { agentSocket, guestAgentDefaults, guestGroups, guestRpc } from './options.js';
