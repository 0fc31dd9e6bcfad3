export * from "./doctor-app.js";
