export * from "./reading-publisher.js";
