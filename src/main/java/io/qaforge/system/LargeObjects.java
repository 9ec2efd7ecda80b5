package io.qaforge.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.postgresql.PGConnection;
import org.postgresql.largeobject.LargeObjectManager;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.stereotype.Component;

/**
 * PostgreSQL large objects (kept originals, training artifacts): the one database access that JdbcClient does not
 * cover, since it needs the driver's own API on the connection. Runs on the caller's transaction's connection, and large
 * objects live only inside a transaction, so call it from one.
 */
@Component
public class LargeObjects {

    public interface Work<T> {
        T run(LargeObjectManager objects) throws SQLException, IOException;
    }

    private final DataSource dataSource;

    public LargeObjects(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public <T> T with(Work<T> work) {
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            return work.run(connection.unwrap(PGConnection.class).getLargeObjectAPI());
        } catch (SQLException e) {
            throw new UncategorizedSQLException("large object", null, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }
}
