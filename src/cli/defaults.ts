// Defaults the CLI, the docker-compose stack and the docs share; a test checks docker-compose.yml against them.

/** Where `model-rollout emulator` listens unless told otherwise: LocalStack's customary edge port. */
export const DEFAULT_EMULATOR_PORT = 4566;

/** The Temporal dev server's frontend and Web UI ports (`temporal server start-dev`). */
export const TEMPORAL_DEV_PORT = 7233;
export const TEMPORAL_DEV_UI_PORT = 8233;
