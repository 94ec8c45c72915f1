using System.Security.Cryptography;
using System.Text;

namespace Bosun.ApiServer.Security;

/// <summary>
/// Reads and creates static token files in kube-apiserver's <c>--token-auth-file</c> CSV format:
/// <c>token,user,uid,"group1,group2"</c>, one entry per line.
/// </summary>
public static class TokenFile
{
    /// <summary>
    /// Returns the <c>system:admin</c> token stored in <paramref name="path"/>, first creating the file (mode 0600) with a
    /// random 32-byte hex token for <c>system:admin</c> in group <c>system:masters</c> when it does not exist.
    /// </summary>
    /// <exception cref="InvalidDataException">The file exists but holds no <c>system:admin</c> entry.</exception>
    public static string EnsureAdminToken(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
            var line = $"{token},{SecurityNames.AdminUser},{Guid.NewGuid()},\"{SecurityNames.MastersGroup}\"\n";
            SecureFiles.WriteAllText(path, line, SecureFiles.Private);
            return token;
        }

        foreach (var entry in Parse(File.ReadAllText(path)))
        {
            if (entry.User.Name == SecurityNames.AdminUser)
            {
                return entry.Token;
            }
        }

        throw new InvalidDataException($"Token file {path} has no entry for {SecurityNames.AdminUser}.");
    }

    /// <summary>
    /// Parses token file text. Blank lines and lines starting with '#' are skipped; lines with fewer than three fields or an
    /// empty token are skipped too, where kube-apiserver would refuse to start, because one bad line should not lock out the admin.
    /// </summary>
    internal static IReadOnlyList<TokenEntry> Parse(string text)
    {
        var entries = new List<TokenEntry>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var fields = SplitCsv(line);
            if (fields.Count < 3 || fields[0].Trim().Length == 0 || fields[1].Length == 0)
            {
                continue;
            }

            var groups = fields.Count > 3
                ? fields[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : [];
            entries.Add(new TokenEntry(fields[0].Trim(), new UserInfo(fields[1], fields[2], groups)));
        }

        return entries;
    }

    /// <summary>RFC 4180 field splitting: commas inside double quotes are data and <c>""</c> is a literal quote.</summary>
    private static List<string> SplitCsv(string line)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        fields.Add(current.ToString());
        return fields;
    }
}
