namespace Bosun.Api;

/// <summary>
/// Lexer and recursive-descent parser for the string form of label selectors. It follows the
/// Kubernetes grammar and error wording token for token, because kubectl users see these messages verbatim.
/// </summary>
internal sealed class LabelSelectorParser
{
    private const string BinaryOperators = "in, notin, =, ==, !=, >, <";

    private readonly List<(LabelSelectorToken Token, string Literal)> items = [];
    private int position;

    private LabelSelectorParser(string input)
    {
        Scan(input);
    }

    /// <summary>Parses into requirements in source order, or throws <see cref="SelectorParseException"/>.</summary>
    public static List<LabelRequirement> Parse(string input) => new LabelSelectorParser(input).ParseAll();

    private List<LabelRequirement> ParseAll()
    {
        var requirements = new List<LabelRequirement>();
        while (true)
        {
            var (token, literal) = Lookahead();
            switch (token)
            {
                case LabelSelectorToken.Identifier or LabelSelectorToken.DoesNotExist:
                    LabelRequirement requirement;
                    try
                    {
                        requirement = ParseRequirement();
                    }
                    catch (SelectorParseException e)
                    {
                        throw new SelectorParseException("unable to parse requirement: " + e.Message, e);
                    }

                    requirements.Add(requirement);
                    var (next, nextLiteral) = Consume();
                    switch (next)
                    {
                        case LabelSelectorToken.EndOfString:
                            return requirements;
                        case LabelSelectorToken.Comma:
                            var (after, afterLiteral) = Lookahead();
                            if (after is not (LabelSelectorToken.Identifier or LabelSelectorToken.DoesNotExist))
                            {
                                throw new SelectorParseException($"found '{afterLiteral}', expected: identifier after ','");
                            }

                            break;
                        default:
                            throw new SelectorParseException($"found '{nextLiteral}', expected: ',' or 'end of string'");
                    }

                    break;
                case LabelSelectorToken.EndOfString:
                    return requirements;
                default:
                    throw new SelectorParseException($"found '{literal}', expected: !, identifier, or 'end of string'");
            }
        }
    }

    private LabelRequirement ParseRequirement()
    {
        var (key, op) = ParseKeyAndInferOperator();
        if (op is SelectorOperator.Exists or SelectorOperator.DoesNotExist)
        {
            return LabelRequirement.Create(key, op.Value, null);
        }

        var binary = ParseOperator();
        var values = binary is SelectorOperator.In or SelectorOperator.NotIn ? ParseValues() : ParseExactValue();
        return LabelRequirement.Create(key, binary, values);
    }

    private (string Key, SelectorOperator? Operator) ParseKeyAndInferOperator()
    {
        SelectorOperator? op = null;
        var (token, literal) = Consume();
        if (token == LabelSelectorToken.DoesNotExist)
        {
            op = SelectorOperator.DoesNotExist;
            (token, literal) = Consume();
        }

        if (token != LabelSelectorToken.Identifier)
        {
            throw new SelectorParseException($"found '{literal}', expected: identifier");
        }

        var keyErrors = LabelRequirement.KeyErrors(literal);
        if (keyErrors.Count != 0)
        {
            // Kubernetes validates the key here with a nil field path, which Go prints as "<nil>".
            throw new SelectorParseException(FieldError.Invalid("<nil>", literal, keyErrors[0]).ToString());
        }

        if (Lookahead().Token is LabelSelectorToken.EndOfString or LabelSelectorToken.Comma && op is null)
        {
            op = SelectorOperator.Exists;
        }

        return (literal, op);
    }

    private SelectorOperator ParseOperator()
    {
        // Operators are read in key-and-operator context, so "in"/"notin" stay keywords here.
        var (token, literal) = items[position++];
        return token switch
        {
            LabelSelectorToken.In => SelectorOperator.In,
            LabelSelectorToken.Equals => SelectorOperator.Equals,
            LabelSelectorToken.DoubleEquals => SelectorOperator.DoubleEquals,
            LabelSelectorToken.GreaterThan => SelectorOperator.GreaterThan,
            LabelSelectorToken.LessThan => SelectorOperator.LessThan,
            LabelSelectorToken.NotIn => SelectorOperator.NotIn,
            LabelSelectorToken.NotEquals => SelectorOperator.NotEquals,
            _ => throw new SelectorParseException($"found '{literal}', expected: {BinaryOperators}"),
        };
    }

    private SortedSet<string> ParseValues()
    {
        var (token, literal) = Consume();
        if (token != LabelSelectorToken.OpenPar)
        {
            // Kubernetes omits the colon in this one message.
            throw new SelectorParseException($"found '{literal}' expected: '('");
        }

        (token, literal) = Lookahead();
        switch (token)
        {
            case LabelSelectorToken.Identifier or LabelSelectorToken.Comma:
                var values = ParseIdentifiersList();
                if (Consume().Token != LabelSelectorToken.ClosedPar)
                {
                    // Kubernetes reports the token seen before the list here, not the offending one.
                    throw new SelectorParseException($"found '{literal}', expected: ')'");
                }

                return values;
            case LabelSelectorToken.ClosedPar:
                Consume();
                return new SortedSet<string>(StringComparer.Ordinal) { "" };
            default:
                throw new SelectorParseException($"found '{literal}', expected: ',', ')' or identifier");
        }
    }

    private SortedSet<string> ParseIdentifiersList()
    {
        // Empty slots such as "(,a)" or "(a,,b)" stand for the empty value, as in Kubernetes.
        var values = new SortedSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var (token, literal) = Consume();
            switch (token)
            {
                case LabelSelectorToken.Identifier:
                    values.Add(literal);
                    var (next, nextLiteral) = Lookahead();
                    switch (next)
                    {
                        case LabelSelectorToken.Comma:
                            continue;
                        case LabelSelectorToken.ClosedPar:
                            return values;
                        default:
                            throw new SelectorParseException($"found '{nextLiteral}', expected: ',' or ')'");
                    }

                case LabelSelectorToken.Comma:
                    if (values.Count == 0)
                    {
                        values.Add("");
                    }

                    var following = Lookahead().Token;
                    if (following == LabelSelectorToken.ClosedPar)
                    {
                        values.Add("");
                        return values;
                    }

                    if (following == LabelSelectorToken.Comma)
                    {
                        Consume();
                        values.Add("");
                    }

                    break;
                default:
                    throw new SelectorParseException($"found '{literal}', expected: ',', or identifier");
            }
        }
    }

    private SortedSet<string> ParseExactValue()
    {
        var values = new SortedSet<string>(StringComparer.Ordinal);
        if (Lookahead().Token is LabelSelectorToken.EndOfString or LabelSelectorToken.Comma)
        {
            values.Add("");
            return values;
        }

        var (token, literal) = Consume();
        if (token != LabelSelectorToken.Identifier)
        {
            throw new SelectorParseException($"found '{literal}', expected: identifier");
        }

        values.Add(literal);
        return values;
    }

    /// <summary>Peeks in value context, where the keywords "in" and "notin" are plain identifiers.</summary>
    private (LabelSelectorToken Token, string Literal) Lookahead()
    {
        var (token, literal) = items[position];
        return (AsValue(token), literal);
    }

    private (LabelSelectorToken Token, string Literal) Consume()
    {
        var (token, literal) = items[position++];
        return (AsValue(token), literal);
    }

    private static LabelSelectorToken AsValue(LabelSelectorToken token) =>
        token is LabelSelectorToken.In or LabelSelectorToken.NotIn ? LabelSelectorToken.Identifier : token;

    private void Scan(string input)
    {
        var i = 0;
        while (true)
        {
            while (i < input.Length && IsWhitespace(input[i]))
            {
                i++;
            }

            if (i >= input.Length || input[i] == '\0')
            {
                items.Add((LabelSelectorToken.EndOfString, ""));
                return;
            }

            items.Add(IsSpecialSymbol(input[i]) ? ScanSpecialSymbol(input, ref i) : ScanIdentifierOrKeyword(input, ref i));
        }
    }

    private static (LabelSelectorToken, string) ScanIdentifierOrKeyword(string input, ref int i)
    {
        var start = i;
        while (i < input.Length && input[i] != '\0' && !IsSpecialSymbol(input[i]) && !IsWhitespace(input[i]))
        {
            i++;
        }

        var text = input[start..i];
        return text switch
        {
            "in" => (LabelSelectorToken.In, text),
            "notin" => (LabelSelectorToken.NotIn, text),
            _ => (LabelSelectorToken.Identifier, text),
        };
    }

    private static (LabelSelectorToken, string) ScanSpecialSymbol(string input, ref int i)
    {
        // Longest match over a run of symbol characters, e.g. "!=" rather than "!" then "=".
        var start = i;
        (LabelSelectorToken Token, string Literal)? last = null;
        while (i < input.Length && IsSpecialSymbol(input[i]))
        {
            var candidate = SymbolToken(input.AsSpan(start, i - start + 1));
            if (candidate is { } token)
            {
                last = (token, input.Substring(start, i - start + 1));
            }
            else if (last is not null)
            {
                break;
            }

            i++;
        }

        return last ?? (LabelSelectorToken.Error, $"error expected: keyword found '{input[start..i]}'");
    }

    private static LabelSelectorToken? SymbolToken(ReadOnlySpan<char> text) => text switch
    {
        ")" => LabelSelectorToken.ClosedPar,
        "," => LabelSelectorToken.Comma,
        "!" => LabelSelectorToken.DoesNotExist,
        "==" => LabelSelectorToken.DoubleEquals,
        "=" => LabelSelectorToken.Equals,
        ">" => LabelSelectorToken.GreaterThan,
        "<" => LabelSelectorToken.LessThan,
        "!=" => LabelSelectorToken.NotEquals,
        "(" => LabelSelectorToken.OpenPar,
        _ => null,
    };

    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private static bool IsSpecialSymbol(char c) => c is '=' or '!' or '(' or ')' or ',' or '>' or '<';
}
