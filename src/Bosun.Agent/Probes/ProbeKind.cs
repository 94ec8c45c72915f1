namespace Bosun.Agent.Probes;

internal enum ProbeKind
{
    Liveness,
    Readiness,
    Startup,
}
