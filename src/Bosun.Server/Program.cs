using System.CommandLine;
using Bosun.Server;

var root = new RootCommand("Bosun: a small Kubernetes in one binary.")
{
    ServerCommand.Create(),
    SimulateNodesCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
