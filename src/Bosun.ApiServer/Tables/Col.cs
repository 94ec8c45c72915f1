namespace Bosun.ApiServer.Tables;

/// <summary>Shorthands for the column definitions the printers declare; keeps each printer's column list readable.</summary>
internal static class Col
{
    public static TableColumn Name() => new("Name", "string", "name", ColumnDocs.Name, 0);

    public static TableColumn Age() => new("Age", "string", "", ColumnDocs.CreationTimestamp, 0);

    public static TableColumn Str(string name, string description, int priority = 0) => new(name, "string", "", description, priority);

    public static TableColumn Int(string name, string description, int priority = 0) => new(name, "integer", "", description, priority);

    public static TableColumn Bool(string name, string description, int priority = 0) => new(name, "boolean", "", description, priority);

    public static TableColumn Containers(int priority = 1) => Str("Containers", "Names of each container in the template.", priority);

    public static TableColumn Images(int priority = 1) => Str("Images", "Images referenced by each container in the template.", priority);
}
