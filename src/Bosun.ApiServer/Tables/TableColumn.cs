namespace Bosun.ApiServer.Tables;

/// <summary>One column definition of a meta.k8s.io/v1 Table (kubectl shows priority 0 by default, priority &gt; 0 with <c>-o wide</c>).</summary>
internal sealed record TableColumn(string Name, string Type, string Format, string Description, int Priority);
