using System.CommandLine;
using Bosun.Server;

var root = new RootCommand("Bosun: a small Kubernetes in one binary.")
{
    ServerCommand.Create(),
    SimulateNodesCommand.Create(),
    ImageCommand.Create(),
    AgentCommand.Create(),
    DatastoreCommand.Create(),
    TokenCommand.Create(),
    CertificateCommand.Create(),
};
// ServerHost handles SIGTERM/SIGINT itself and stops in order. With System.CommandLine's default 2 s termination
// timeout, a shutdown that took longer (open requests draining, a loaded machine) returned 143 mid-stop instead.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
