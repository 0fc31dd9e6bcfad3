export * from "./alarm.js";
export * from "./live-monitor.js";
export * from "./news2.js";
export * from "./reading-subscription.js";
