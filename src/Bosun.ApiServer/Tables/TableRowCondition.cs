namespace Bosun.ApiServer.Tables;

/// <summary>A row condition of a Table row; kube-apiserver marks finished pods with <c>Completed</c> so clients can tell them apart.</summary>
internal sealed record TableRowCondition(string Type, string Status, string Reason, string Message);
