/**
 * Messages from the provider to the person running `pulumi`: rotation notices and expiry
 * warnings shown in `preview` and `up` output. Inside Pulumi's dynamic-provider host they
 * are sent to the engine's `Log` RPC (the host's first argument is the engine address);
 * elsewhere (unit tests) they go to an injected sink. Callers redact before sending.
 */
import { createRequire } from "node:module";

/** Where provider messages go. */
export interface Diagnostics {
  info(message: string): Promise<void>;
  warn(message: string): Promise<void>;
}

/** A sink that only records (tests, or no engine). */
export function recordingDiagnostics(): Diagnostics & { messages: { severity: string; message: string }[] } {
  const messages: { severity: string; message: string }[] = [];
  return {
    messages,
    async info(message) {
      messages.push({ severity: "info", message });
    },
    async warn(message) {
      messages.push({ severity: "warning", message });
    },
  };
}

interface EngineClient {
  log(req: unknown, callback: (err: Error | null) => void): void;
}

let engine: { client: EngineClient; proto: Record<string, unknown> } | null | undefined;

/** The engine address a provider plugin was started with (see {@link useEngineAddress}). */
let pluginEngineAddress: string | undefined;

/**
 * Sends diagnostics to the engine at `address`: for the native provider plugin, which the
 * engine starts with its address as the first argument (the dynamic-provider host's own
 * command line is recognised without this).
 *
 * @param address - the engine's gRPC address (`host:port`)
 */
export function useEngineAddress(address: string): void {
  pluginEngineAddress = address;
  engine = undefined;
}

function connect(): typeof engine {
  if (engine !== undefined) return engine;
  engine = null;
  const address = pluginEngineAddress ?? process.argv[2];
  const isHost =
    (pluginEngineAddress !== undefined || /dynamic-provider/.test(process.argv[1] ?? "")) &&
    /^[\w.-]+:\d+$/.test(address ?? "");
  if (!isHost) return engine;
  try {
    const fromPulumi = createRequire(require.resolve("@pulumi/pulumi"));
    const grpc = fromPulumi("@grpc/grpc-js");
    const services = fromPulumi("@pulumi/pulumi/proto/engine_grpc_pb");
    const proto = fromPulumi("@pulumi/pulumi/proto/engine_pb");
    engine = { client: new services.EngineClient(address, grpc.credentials.createInsecure()), proto };
  } catch {
    engine = null;
  }
  return engine;
}

async function send(severity: "INFO" | "WARNING", message: string): Promise<void> {
  const e = connect();
  if (!e) return;
  const proto = e.proto as {
    LogRequest: new () => {
      setSeverity(v: number): void;
      setMessage(v: string): void;
      setUrn(v: string): void;
      setEphemeral(v: boolean): void;
    };
    LogSeverity: Record<string, number>;
  };
  const req = new proto.LogRequest();
  req.setSeverity(proto.LogSeverity[severity] as number);
  req.setMessage(message);
  req.setUrn("");
  req.setEphemeral(false);
  await new Promise<void>((resolve) => e.client.log(req, () => resolve()));
}

/** Diagnostics to the engine when running in the provider host or plugin; otherwise dropped. */
export const engineDiagnostics: Diagnostics = {
  info: (message) => send("INFO", message),
  warn: (message) => send("WARNING", message),
};
