import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();

// `organization/<project>/<stack>` on a self-managed backend; `<org>/<project>/<stack>` on Pulumi Cloud.
const producer = new pulumi.StackReference(config.require("producerStack"));

// Stays a secret here too: encrypted in this stack's state, shown as [secret].
const token = producer.requireOutput("accessToken") as pulumi.Output<string>;

export const accessToken = token;
export const producerIssuedAt = producer.getOutput("issuedAt");
