import type { LabTopology } from "@openqod/server/lab";

/** The QOS_L session of the worked example: the app flow to device port 5202, from the lab's server. */
export function appFlowSession(lab: LabTopology): string {
  return JSON.stringify({
    device: { ipv4Address: { publicAddress: lab.device.ipv4, privateAddress: lab.device.ipv4 } },
    applicationServer: { ipv4Address: lab.server.ipv4 },
    devicePorts: { ports: [5202] },
    qosProfile: "QOS_L",
    duration: 120,
  });
}

/**
 * What `openqod lab` prints once it runs: the network, the API, and a worked example to paste. Every
 * command names the lab's own namespaces, so it also holds for a lab with another prefix.
 */
export function labBanner(parts: {
  lab: LabTopology;
  rate: string;
  baseUrl: string;
  key: string;
  dataDir: string;
}): string {
  const { lab, rate, baseUrl, key, dataDir } = parts;
  const device = `sudo ip netns exec ${lab.device.netns}`;
  const server = `sudo ip netns exec ${lab.server.netns}`;
  return `
OpenQoD lab is running: OpenQoD shapes real traffic through the router, ${rate} each way.

  device  ${lab.device.netns}  ${lab.device.iface}  ${lab.device.ipv4}  ${lab.device.ipv6}
  router  ${lab.router.netns}  ${lab.router.downlink} (towards the device) 198.18.1.1, ${lab.router.uplink} (towards the server) 198.18.2.1: the bottleneck
  server  ${lab.server.netns}  ${lab.server.iface}  ${lab.server.ipv4}  ${lab.server.ipv6}

  Base URL:   ${baseUrl}
  API key:    ${key}
  Dashboard:  ${baseUrl}/dashboard/
  Data:       ${dataDir}

Run any program on a side with \`${device} <program>\` (or ${lab.server.netns}).

Try it, each command in a terminal of its own: an app flow (port 5202) against a bulk transfer of
8 streams (port 5201), server to device.
  ${device} iperf3 -s -p 5201
  ${device} iperf3 -s -p 5202
  ${server} iperf3 -c ${lab.device.ipv4} -p 5201 -P 8 -t 60 -C cubic
  ${server} iperf3 -c ${lab.device.ipv4} -p 5202 -t 10 -C cubic
Then give the app flow QOS_L (50 Mbit/s guaranteed downstream) and run the last command again:
  curl -s -X POST ${baseUrl}/quality-on-demand/v1/sessions \\
    -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' \\
    -d '${appFlowSession(lab)}'

Ctrl-C stops OpenQoD and removes the lab (\`sudo npx openqod lab down --prefix ${lab.prefix}\` removes one left behind).
`;
}
