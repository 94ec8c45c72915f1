using System.Text;

namespace Bosun.Agent.Pods;

/// <summary>
/// Kubernetes' <c>$(VAR)</c> expansion in command, args and env values: a defined variable is replaced, an
/// undefined one is left as written, <c>$$</c> escapes to <c>$</c>, and an unterminated <c>$(</c> stays literal.
/// </summary>
internal static class EnvExpansion
{
    public static string Expand(string input, Func<string, string?> lookup)
    {
        if (!input.Contains('$')) return input;
        var sb = new StringBuilder(input.Length);
        var i = 0;
        while (i < input.Length)
        {
            var c = input[i];
            if (c != '$' || i + 1 >= input.Length)
            {
                sb.Append(c);
                i++;
                continue;
            }
            var next = input[i + 1];
            if (next == '$')
            {
                sb.Append('$');
                i += 2;
            }
            else if (next == '(')
            {
                var close = input.IndexOf(')', i + 2);
                if (close < 0)
                {
                    sb.Append("$(");
                    i += 2;
                    continue;
                }
                var name = input[(i + 2)..close];
                sb.Append(lookup(name) ?? $"$({name})");
                i = close + 1;
            }
            else
            {
                sb.Append(c).Append(next);
                i += 2;
            }
        }
        return sb.ToString();
    }
}
